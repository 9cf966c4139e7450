/**
 * The dashboard: a page per address (#/…), drawn from the server's API. Moving
 * between pages closes the previous page's event streams and moves the focus to
 * the new page's heading, so keyboard and screen-reader users land where sighted
 * users look.
 */
import { h, replace } from "../common/dom.js";
import { jobPage, jobsPage } from "./pages/jobs.js";
import { modelsPage } from "./pages/models.js";
import { newStudyPage } from "./pages/new-study.js";
import { studiesPage } from "./pages/studies.js";
import { comparePage, studyPage, trialPage } from "./pages/study.js";

type Page = (main: HTMLElement) => Promise<() => void>;

function route(hash: string): Page {
  const path = hash.replace(/^#/, "") || "/";
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return studiesPage;
  if (parts[0] === "new") return newStudyPage;
  if (parts[0] === "jobs" && parts.length === 1) return jobsPage;
  if (parts[0] === "models") return (main) => modelsPage(main, parts[1]);
  if (parts[0] === "jobs") return (main) => jobPage(main, parts[1]);
  if (parts[0] === "studies" && parts.length === 2) return (main) => studyPage(main, parts[1]);
  if (parts[0] === "studies" && parts[2] === "trials")
    return (main) => trialPage(main, parts[1], Number(parts[3]));
  if (parts[0] === "studies" && parts[2] === "compare")
    return (main) => comparePage(main, parts[1], parts[3].split(",").map(Number).filter(Number.isInteger));
  return async (main) => {
    replace(
      main,
      h("h1", { tabindex: "-1" }, "Not found"),
      h("p", {}, h("a", { href: "#/" }, "Back to the studies")),
    );
    return () => {};
  };
}

let cleanup: () => void = () => {};
let generation = 0;

async function show(): Promise<void> {
  const main = document.getElementById("main")!;
  cleanup();
  cleanup = () => {};
  const mine = ++generation;
  for (const link of document.querySelectorAll<HTMLAnchorElement>("nav a")) {
    const current = link.getAttribute("href") === (location.hash || "#/");
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  try {
    const close = await route(location.hash)(main);
    if (mine === generation) cleanup = close;
    else close();
  } catch (error) {
    if (mine !== generation) return;
    replace(
      main,
      h("h1", { tabindex: "-1" }, "Something went wrong"),
      h("p", { class: "error", role: "alert" }, error instanceof Error ? error.message : String(error)),
      h("p", {}, h("a", { href: "#/" }, "Back to the studies")),
    );
  }
}

window.addEventListener("hashchange", () => void show());
void show();
