// SPDX-License-Identifier: Apache-2.0
// npos, the independent ESC/POS parser, set up for what Outpost prints.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const npos = require('npos');

// npos knows every command we send except GS ( k (QR); teach it that frame
// shape (a 16-bit length), as FACTS.md records.
export function escposParser() {
  const rules = JSON.parse(JSON.stringify(npos.rules));
  rules[0x1d]['(k'] = [0, 'd16'];
  return npos.parser(rules);
}

// The text of printer bytes, as npos reads it.
export async function escposText(bytes) {
  const ast = await escposParser().parse(bytes);
  if (ast.error) throw new Error(`npos: ${ast.error}`);
  return (await npos.textualize(ast)).join('');
}

// The raster images (GS v 0) in printer bytes: [{ w, h, bits }], bits in
// PBM order (rows of packed dots, 1 black), and as a PBM file.
export function rasterImages(bytes) {
  const out = [];
  for (let i = bytes.indexOf(Buffer.from([0x1d, 0x76, 0x30])); i >= 0;
    i = bytes.indexOf(Buffer.from([0x1d, 0x76, 0x30]), i + 1)) {
    const x = bytes[i + 4] | (bytes[i + 5] << 8);
    const h = bytes[i + 6] | (bytes[i + 7] << 8);
    out.push({ w: x * 8, h, bits: bytes.subarray(i + 8, i + 8 + x * h) });
  }
  return out;
}

export const pbm = (img) => Buffer.concat([Buffer.from(`P4\n${img.w} ${img.h}\n`), img.bits]);
