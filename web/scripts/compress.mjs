// After `vite build`: a gzip copy of every script and stylesheet in dist/assets,
// which server/web.py sends to browsers that accept gzip.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync, constants } from "node:zlib";

const dir = new URL("../dist/assets/", import.meta.url).pathname;
let raw = 0;
let packed = 0;
for (const name of readdirSync(dir)) {
  if (!/\.(js|css|svg)$/.test(name)) continue;
  const data = readFileSync(join(dir, name));
  const gz = gzipSync(data, { level: constants.Z_BEST_COMPRESSION });
  writeFileSync(join(dir, name + ".gz"), gz);
  raw += data.length;
  packed += gz.length;
}
console.log(`gzip copies: ${(raw / 1024).toFixed(1)} KB → ${(packed / 1024).toFixed(1)} KB`);
