import type { NodeInfo, ParsedModel } from "./onnx-proto.js";

/**
 * Nodes that still contribute to a graph output after a rewrite, so that what only a removed
 * node read goes with it (all of them when a subgraph could read outer values).
 * @param added inputs of nodes appended after `nodes` (they are live by construction)
 */
export function liveNodes(nodes: NodeInfo[], added: readonly { inputs: readonly string[] }[], parsed: Pick<ParsedModel, "outputs">): NodeInfo[] {
  if (nodes.some((n) => [...n.attributes.values()].some((a) => a.subgraph))) return nodes;
  const needed = new Set<string>(parsed.outputs.map((o) => o.name));
  for (const n of added) for (const i of n.inputs) needed.add(i);
  const live: boolean[] = new Array<boolean>(nodes.length).fill(false);
  // Graphs are stored in topological order; one backward sweep finds every ancestor.
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i] as NodeInfo;
    if (n.outputs.some((o) => needed.has(o))) {
      live[i] = true;
      for (const input of n.inputs) if (input) needed.add(input);
    }
  }
  return nodes.filter((_, i) => live[i]);
}
