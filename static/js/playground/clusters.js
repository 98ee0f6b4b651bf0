// Neuron, layer and datapoint clusters of a graph (the server's graph JSON, contract 2): which are
// drawn open. `expand` is what the page asks the server for: null lets the server collapse just
// enough to fit its render limit (graph.collapsed says what it collapsed); a list names the
// clusters drawn open (their parents open too), every other cluster one box.

/** The ids of the clusters drawn open now. */
export function openClusters(graph, expand) {
  if (expand) return [...expand];
  const collapsed = new Set(graph.collapsed || []);
  const parent = new Map((graph.clusters || []).map((c) => [c.id, c.parent]));
  const hidden = (id) => {
    for (let at = id; at; at = parent.get(at)) if (collapsed.has(at)) return true;
    return false;
  };
  return (graph.clusters || []).map((c) => c.id).filter((id) => !hidden(id));
}

/** `expand` with cluster `id` open as well. */
export function withOpened(graph, expand, id) {
  const open = openClusters(graph, expand);
  return open.includes(id) ? open : [...open, id];
}

/** `expand` with cluster `id` and everything inside it drawn as one box. */
export function withClosed(graph, expand, id) {
  const parent = new Map((graph.clusters || []).map((c) => [c.id, c.parent]));
  const inside = (at) => {
    for (; at; at = parent.get(at)) if (at === id) return true;
    return false;
  };
  return openClusters(graph, expand).filter((c) => !inside(c));
}

/** A cluster by id. */
export function clusterOf(graph, id) {
  return (graph.clusters || []).find((c) => c.id === id) || null;
}

/** Whether two graphs have the same clusters (so the same ones can be asked open). */
export function sameClusters(a, b) {
  const ids = (graph) => (graph?.clusters || []).map((c) => c.id).join(",");
  return ids(a) === ids(b);
}
