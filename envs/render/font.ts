/**
 * A tiny 5×7 bitmap font for scene text: digits, A–Z (lower case draws as upper case) and a few
 * punctuation marks. Glyphs sit on a 6-cell advance (5 lit columns + 1 gap) and lines on an
 * 8-cell pitch (7 rows + 1 gap); a cell is `size / 7` scene units square.
 */

export const GLYPH_COLS = 5;
export const GLYPH_ROWS = 7;
export const GLYPH_ADVANCE = 6;
export const LINE_PITCH = 8;

// '#' is a lit cell. Seven rows of five columns each, top row first.
const GLYPH_ART: Readonly<Record<string, string>> = {
  '0': '.###. #...# #..## #.#.# ##..# #...# .###.',
  '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '##### ...#. ..#.. ...#. ....# #...# .###.',
  '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5': '##### #.... ####. ....# ....# #...# .###.',
  '6': '..##. .#... #.... ####. #...# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
  A: '.###. #...# #...# ##### #...# #...# #...#',
  B: '####. #...# #...# ####. #...# #...# ####.',
  C: '.###. #...# #.... #.... #.... #...# .###.',
  D: '###.. #..#. #...# #...# #...# #..#. ###..',
  E: '##### #.... #.... ####. #.... #.... #####',
  F: '##### #.... #.... ####. #.... #.... #....',
  G: '.###. #...# #.... #.### #...# #...# .####',
  H: '#...# #...# #...# ##### #...# #...# #...#',
  I: '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  J: '..### ...#. ...#. ...#. ...#. #..#. .##..',
  K: '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  L: '#.... #.... #.... #.... #.... #.... #####',
  M: '#...# ##.## #.#.# #.#.# #...# #...# #...#',
  N: '#...# #...# ##..# #.#.# #..## #...# #...#',
  O: '.###. #...# #...# #...# #...# #...# .###.',
  P: '####. #...# #...# ####. #.... #.... #....',
  Q: '.###. #...# #...# #...# #.#.# #..#. .##.#',
  R: '####. #...# #...# ####. #.#.. #..#. #...#',
  S: '.#### #.... #.... .###. ....# ....# ####.',
  T: '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  U: '#...# #...# #...# #...# #...# #...# .###.',
  V: '#...# #...# #...# #...# #...# .#.#. ..#..',
  W: '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  X: '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
  Y: '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  Z: '##### ....# ...#. ..#.. .#... #.... #####',
  '.': '..... ..... ..... ..... ..... .##.. .##..',
  ',': '..... ..... ..... ..... .##.. ..#.. .#...',
  ':': '..... .##.. .##.. ..... .##.. .##.. .....',
  ';': '..... .##.. .##.. ..... .##.. ..#.. .#...',
  '!': '..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..',
  '?': '.###. #...# ....# ...#. ..#.. ..... ..#..',
  '-': '..... ..... ..... ##### ..... ..... .....',
  '+': '..... ..#.. ..#.. ##### ..#.. ..#.. .....',
  '=': '..... ..... ##### ..... ##### ..... .....',
  '/': '..... ....# ...#. ..#.. .#... #.... .....',
  '(': '...#. ..#.. .#... .#... .#... ..#.. ...#.',
  ')': '.#... ..#.. ...#. ...#. ...#. ..#.. .#...',
  '[': '.###. .#... .#... .#... .#... .#... .###.',
  ']': '.###. ...#. ...#. ...#. ...#. ...#. .###.',
  '<': '...#. ..#.. .#... #.... .#... ..#.. ...#.',
  '>': '.#... ..#.. ...#. ....# ...#. ..#.. .#...',
  '_': '..... ..... ..... ..... ..... ..... #####',
  '%': '##... ##..# ...#. ..#.. .#... #..## ...##',
  '*': '..... ..#.. #.#.# .###. #.#.# ..#.. .....',
  "'": '..#.. ..#.. .#... ..... ..... ..... .....',
};

/**
 * One glyph as horizontal runs of lit cells: flat triples (row, firstColumn, endColumn), so a
 * renderer draws one rectangle per run instead of one per cell.
 */
export type GlyphRuns = Int8Array;

function parseGlyph(ch: string, art: string): GlyphRuns {
  const rows = art.split(' ');
  if (rows.length !== GLYPH_ROWS || rows.some((r) => r.length !== GLYPH_COLS)) throw new Error(`font: glyph '${ch}' is not 5×7`);
  const runs: number[] = [];
  rows.forEach((row, r) => {
    let c = 0;
    while (c < GLYPH_COLS) {
      if (row[c] !== '#') {
        c++;
        continue;
      }
      const start = c;
      while (c < GLYPH_COLS && row[c] === '#') c++;
      runs.push(r, start, c);
    }
  });
  return Int8Array.from(runs);
}

const GLYPHS = new Map<string, GlyphRuns>(Object.entries(GLYPH_ART).map(([ch, art]) => [ch, parseGlyph(ch, art)]));

/** The runs of a character's glyph, or null when the font has no glyph for it (it then draws as a blank). */
export function glyphRuns(ch: string): GlyphRuns | null {
  return GLYPHS.get(ch) ?? GLYPHS.get(ch.toUpperCase()) ?? null;
}

/** Characters the font can draw (upper-case letters also cover lower case). */
export function fontCharacters(): string[] {
  return [...GLYPHS.keys()];
}

/** Size of a text block in cells: widest line's columns (without the trailing gap) and rows. */
export function textCells(text: string): { cols: number; rows: number } {
  let widest = 0;
  let lines = 1;
  let current = 0;
  for (const ch of text) {
    if (ch === '\n') {
      lines++;
      current = 0;
      continue;
    }
    current++;
    if (current > widest) widest = current;
  }
  return { cols: widest === 0 ? 0 : widest * GLYPH_ADVANCE - 1, rows: (lines - 1) * LINE_PITCH + GLYPH_ROWS };
}
