// A QR code of a link, drawn as SVG rectangles (qrcode-generator computes the modules).
import qrcode from "qrcode-generator";
import { s } from "./dom.js";

export function qrSvg(text, size = 180) {
  const qr = qrcode(0, "M");
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  const quiet = 2;
  const cells = [];
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (qr.isDark(r, c)) cells.push(`M${c + quiet},${r + quiet}h1v1h-1z`);
    }
  }
  const dim = n + quiet * 2;
  return s(
    "svg",
    { class: "qr", width: size, height: size, viewBox: `0 0 ${dim} ${dim}`, role: "img", "aria-label": `QR code of ${text}`, "shape-rendering": "crispEdges" },
    s("rect", { width: dim, height: dim, fill: "#ffffff" }),
    s("path", { d: cells.join(""), fill: "#000000" }),
  );
}
