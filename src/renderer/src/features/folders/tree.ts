import type { FolderNode } from '@shared/domain';

/** Children of each node (key '' for the projects), each list sorted by position, then name. */
export type ChildMap = Map<string, FolderNode[]>;

export function childMap(nodes: readonly FolderNode[]): ChildMap {
  const map: ChildMap = new Map();
  for (const n of nodes) {
    const key = n.parentId ?? '';
    const list = map.get(key);
    if (list) list.push(n);
    else map.set(key, [n]);
  }
  for (const list of map.values()) list.sort((a, b) => a.position - b.position || a.name.localeCompare(b.name));
  return map;
}

/** The node and all its descendants. */
export function subtree(map: ChildMap, id: string): string[] {
  const out: string[] = [id];
  for (let i = 0; i < out.length; i++) for (const c of map.get(out[i]!) ?? []) out.push(c.id);
  return out;
}

/** Folders and images a delete of `id` removes. */
export function deleteCounts(nodes: readonly FolderNode[], map: ChildMap, id: string): { folders: number; images: number } {
  const ids = new Set(subtree(map, id));
  let images = 0;
  for (const n of nodes) if (ids.has(n.id)) images += n.assetCount;
  return { folders: ids.size, images };
}

/** From the project down to `id`. */
export function pathTo(byId: ReadonlyMap<string, FolderNode>, id: string | null): FolderNode[] {
  const out: FolderNode[] = [];
  const seen = new Set<string>();
  let cur = id ? byId.get(id) : undefined;
  while (cur && !seen.has(cur.id)) {
    seen.add(cur.id);
    out.unshift(cur);
    cur = cur.parentId ? byId.get(cur.parentId) : undefined;
  }
  return out;
}

/** One row of the tree as displayed (depth-first, only expanded branches). */
export interface VisibleRow {
  node: FolderNode;
  level: number;
  hasChildren: boolean;
  expanded: boolean;
  setSize: number;
  posInSet: number;
}

export function visibleRows(map: ChildMap, expanded: Readonly<Record<string, boolean>>): VisibleRow[] {
  const rows: VisibleRow[] = [];
  const walk = (parent: string, level: number): void => {
    const list = map.get(parent) ?? [];
    list.forEach((node, i) => {
      const hasChildren = (map.get(node.id)?.length ?? 0) > 0;
      const open = hasChildren && !!expanded[node.id];
      rows.push({ node, level, hasChildren, expanded: open, setSize: list.length, posInSet: i + 1 });
      if (open) walk(node.id, level + 1);
    });
  };
  walk('', 1);
  return rows;
}

/** Where `id` may move: anywhere but itself, its own descendants and its current parent. `null` = top level. */
export function moveTargets(nodes: readonly FolderNode[], map: ChildMap, id: string): Array<FolderNode | null> {
  const self = nodes.find((n) => n.id === id);
  if (!self) return [];
  const banned = new Set(subtree(map, id));
  const out: Array<FolderNode | null> = [];
  if (self.parentId !== null) out.push(null);
  const walk = (parent: string): void => {
    for (const n of map.get(parent) ?? []) {
      if (banned.has(n.id)) continue;
      if (n.id !== self.parentId) out.push(n);
      walk(n.id);
    }
  };
  walk('');
  return out;
}
