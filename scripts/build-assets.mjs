// Copy the front-end packages the UI uses from node_modules into the Django static folder.
// Nothing is fetched at run time: whitenoise serves these files from the platform itself.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "src/hotline/static/vendor");
const files = [
  ["htmx.org/dist/htmx.min.js", "htmx.min.js"],
  // The dashboard's charts (stats): line and bar charts are in the "common" build.
  ["echarts/dist/echarts.common.min.js", "echarts.min.js"],
  // The dashboard's map of tickets by area (stats); leaflet.css finds its images beside it.
  ["leaflet/dist/leaflet.js", "leaflet/leaflet.js"],
  // leaflet.js names its source map; collectstatic's manifest storage refuses a missing one.
  ["leaflet/dist/leaflet.js.map", "leaflet/leaflet.js.map"],
  ["leaflet/dist/leaflet.css", "leaflet/leaflet.css"],
  ["leaflet/dist/images/layers.png", "leaflet/images/layers.png"],
  ["leaflet/dist/images/layers-2x.png", "leaflet/images/layers-2x.png"],
  ["leaflet/dist/images/marker-icon.png", "leaflet/images/marker-icon.png"],
  ["leaflet/dist/images/marker-icon-2x.png", "leaflet/images/marker-icon-2x.png"],
  ["leaflet/dist/images/marker-shadow.png", "leaflet/images/marker-shadow.png"],
];

for (const [from, to] of files) {
  mkdirSync(dirname(join(out, to)), { recursive: true });
  copyFileSync(join(root, "node_modules", from), join(out, to));
  console.log(`assets: ${to}`);
}
