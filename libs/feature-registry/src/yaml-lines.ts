/**
 * Line numbers for registry entries. js-yaml gives values but no positions, and every review message must say
 * where to fix it, so we scan the raw text. The registry files are plain block-style YAML (a top-level key
 * holding a list of mappings); for anything fancier we fall back to the entry's or the section's line.
 */

/** Where one list entry and its keys start (1-based lines). */
export interface EntryLines {
  line: number;
  /** Line of each key of the entry; nested keys as `parent.child`, items of a nested list as `parent[i]`. */
  keys: Record<string, number>;
}

export interface FileLines {
  /** Line of each top-level key. */
  topKeys: Record<string, number>;
  /** Entries of each top-level list, by index. */
  entries: Record<string, EntryLines[]>;
}

const TOP_KEY = /^([A-Za-z_][\w-]*)\s*:/;
const LIST_ITEM = /^(\s*)-(\s+|$)(.*)$/;
const KEY = /^(\s*)([A-Za-z_][\w-]*)\s*:/;

export function scanLines(text: string): FileLines {
  const result: FileLines = { topKeys: {}, entries: {} };
  let section: string | undefined;
  let itemIndent: number | undefined;
  let entry: EntryLines | undefined;
  let keyIndent = 0;
  let lastKey: string | undefined;
  let nestedItems = 0;

  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
    const top = TOP_KEY.exec(raw);
    if (top) {
      section = top[1];
      result.topKeys[section] ??= line;
      result.entries[section] ??= [];
      itemIndent = undefined;
      entry = undefined;
      return;
    }
    if (!section) return;
    const item = LIST_ITEM.exec(raw);
    const indent = item?.[1].length;
    if (item && (itemIndent === undefined || indent === itemIndent)) {
      itemIndent = indent;
      entry = { line, keys: {} };
      result.entries[section].push(entry);
      keyIndent = item[1].length + 1 + item[2].length;
      lastKey = undefined;
      const first = KEY.exec(item[3]);
      if (first) {
        entry.keys[first[2]] = line;
        lastKey = first[2];
        nestedItems = 0;
      }
      return;
    }
    if (item && entry && lastKey) {
      // An item of a list nested under the entry's last key, e.g. one name under `features:`.
      entry.keys[`${lastKey}[${nestedItems++}]`] ??= line;
      return;
    }
    const key = KEY.exec(raw);
    if (!entry || !key) return;
    if (key[1].length === keyIndent) {
      entry.keys[key[2]] ??= line;
      lastKey = key[2];
      nestedItems = 0;
    } else if (key[1].length > keyIndent && lastKey) {
      entry.keys[`${lastKey}.${key[2]}`] ??= line;
    }
  });
  return result;
}
