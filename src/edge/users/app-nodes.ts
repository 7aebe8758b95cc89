// Which application server gets a new call (seed-part1 §1.32 "Application Servers", DESIGN.md "the edge
// distributes calls over app nodes: hash per client, round robin, or static"). With one node it is simply that one.
import type { TransportName } from '../../sip/transaction/types.ts';

export interface AppNode {
  host: string;
  /** default 6060 (spec: "port always 6060 (UDP)") */
  port: number;
  transport: TransportName;
}

export type DistributeMethod = 'hash' | 'round-robin' | 'static';

export interface AppNodeSelector {
  /** Node for a new call of `clientId` (`staticNode` is the client's assigned node index, for 'static'). */
  pick(clientId: number, staticNode?: number): AppNode | undefined;
  /** Is this source one of the app nodes (trusted side)? */
  isAppNode(host: string, port?: number): boolean;
  readonly nodes: readonly AppNode[];
}

/**
 * `isUp` (the edge's keep-alive probes, src/sip/ua/peer-health.ts): a node that stopped answering gets no new calls
 * while others answer (seed-part1 §1.32: "auto-disabled if it doesn't respond"). Hashing keeps a client on its node
 * while that node is up and spreads the clients of a node that is down over the others; when none answers, the
 * choice is as if all did. A static assignment is kept whatever the probes say (it is for debugging).
 */
export function createAppNodeSelector(nodes: readonly AppNode[], method: DistributeMethod = 'hash', isUp: (n: AppNode) => boolean = () => true): AppNodeSelector {
  let next = 0;
  const choose = (from: readonly AppNode[], clientId: number): AppNode | undefined =>
    method === 'round-robin' ? from[next++ % from.length] : from[hash(clientId) % from.length];
  return {
    nodes,
    pick(clientId, staticNode) {
      if (nodes.length === 0) return undefined;
      if (nodes.length === 1) return nodes[0];
      if (method === 'static' && staticNode !== undefined && nodes[staticNode]) return nodes[staticNode];
      const first = choose(nodes, clientId);
      if (first === undefined || isUp(first)) return first;
      const up = nodes.filter(isUp);
      return up.length > 0 ? choose(up, clientId) : first;
    },
    isAppNode(host, port) {
      // Ports are not checked when unknown: an app node sends from its listener port, but a TCP flow from it
      // comes from an ephemeral port.
      return nodes.some((n) => n.host === host && (port === undefined || n.transport !== 'UDP' || n.port === port));
    },
  };
}

/** A small integer hash (FNV-1a over the decimal id): the same client always lands on the same node. */
function hash(n: number): number {
  let h = 0x811c9dc5;
  for (const ch of String(n)) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
