// SPDX-License-Identifier: Apache-2.0
// Pages for the SANE pnm backend: PGM files of a sheet with a QR code (as
// `qrencode` makes it, or as the box printed it), or of a content page
// (text-like strokes, no code).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const W = 1240, H = 1754; // A4 at 150 dpi

function page() {
  return Buffer.alloc(W * H, 255);
}

function pgm(path, px) {
  writeFileSync(path, Buffer.concat([Buffer.from(`P5\n${W} ${H}\n255\n`), px]));
}

// A sheet carrying payload as a QR code, 8 pixels a module, near the top.
export function sheetPage(path, payload) {
  const rows = execFileSync('qrencode', ['-t', 'ASCII', '-m', '4', payload], { encoding: 'utf8' })
    .split('\n').filter((l) => l.length > 0);
  const px = page();
  const scale = 8, x0 = 200, y0 = 200;
  rows.forEach((row, y) => {
    for (let x = 0; x * 2 < row.length; x++) {
      if (row[x * 2] !== '#') continue;
      for (let dy = 0; dy < scale; dy++) px.fill(0, (y0 + y * scale + dy) * W + x0 + x * scale, (y0 + y * scale + dy) * W + x0 + (x + 1) * scale);
    }
  });
  pgm(path, px);
}

// A content page: lines of short strokes, like text; n varies them.
export function contentPage(path, n) {
  const px = page();
  for (let line = 0; line < 40; line++) {
    const y = 150 + line * 38;
    for (let x = 120; x < W - 120; x += 14 + ((x * 7 + line * 13 + n) % 11)) {
      for (let dy = 0; dy < 18; dy++) px.fill(40, (y + dy) * W + x, (y + dy) * W + x + 8);
    }
  }
  pgm(path, px);
}

// A sheet as printed: a raster image from the printer's bytes ({ w, h,
// bits }, packed rows, 1 black), scaled by 2 onto a page, as a scanner
// sees a slip laid on its glass.
export function printedSheetPage(path, img) {
  const px = page();
  const row = img.w / 8, x0 = 150, y0 = 150;
  for (let y = 0; y < img.h && y0 + 2 * y + 1 < H; y++) {
    for (let x = 0; x < img.w && x0 + 2 * x + 1 < W; x++) {
      if (!(img.bits[y * row + (x >> 3)] & (0x80 >> (x & 7)))) continue;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) px[(y0 + 2 * y + dy) * W + x0 + 2 * x + dx] = 0;
    }
  }
  pgm(path, px);
}
