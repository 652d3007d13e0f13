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
