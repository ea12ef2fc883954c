// Copy the front-end packages the UI uses from node_modules into the Django static folder.
// Nothing is fetched at run time: whitenoise serves these files from the platform itself.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "src/hotline/static/vendor");
const files = [["htmx.org/dist/htmx.min.js", "htmx.min.js"]];

mkdirSync(out, { recursive: true });
for (const [from, to] of files) {
  copyFileSync(join(root, "node_modules", from), join(out, to));
  console.log(`assets: ${to}`);
}
