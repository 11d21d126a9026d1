/**
 * Reading side of the small ONNX toolkit, in three modules: the protobuf wire format
 * (proto-fields.ts), models split for rewriting and joined back (onnx-model-parse.ts), and tensor
 * values read in place (tensor-elements.ts). Writing new nodes and tensors is in onnx-writer.ts.
 * @module
 */
export { readFields, type ProtoField } from "./proto-fields.js";
export {
  parseModel,
  parseNode,
  parseTensor,
  serializeModel,
  type Attribute,
  type NodeInfo,
  type ParsedModel,
  type TensorInfo,
} from "./onnx-model-parse.js";
export { elementCount, readElements } from "./tensor-elements.js";
