/**
 * Independent float64 reference implementations for parity tests.
 * @module
 */
export { referenceForward, type ReferenceInput, type ReferenceOutput } from "./forward.js";
export { refMeanPool, refClsPool, refMaxPool, refDense, refLastTokenPool, refL2Normalize, refDot, refCosine, refMaxSim, refSigmoid, refProject } from "./pooling.js";
export { erf, gelu } from "./math.js";
