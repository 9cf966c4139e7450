/** Process entry for the CLI when run from source (tests, development). */
import { main } from "./main.js";

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
