/** The models saved on this server, and the audit and explanations of one of them. */
import { h, replace } from "../../common/dom.js";
import { api } from "../api.js";
import { modelInsights } from "../insights.js";

export async function modelsPage(main: HTMLElement, chosen?: string): Promise<() => void> {
  document.title = "Models · Equipoise";
  const { models } = await api.models();
  const list =
    models.length === 0
      ? null
      : h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            {},
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ["model", "file size", "saved"].map((c) => h("th", { scope: "col" }, c)),
              ),
            ),
            h(
              "tbody",
              {},
              models.map((m) =>
                h(
                  "tr",
                  {},
                  h("th", { scope: "row" }, h("a", { href: `#/models/${encodeURIComponent(m.id)}` }, m.id)),
                  h("td", { class: "num" }, `${(m.bytes / 1024).toFixed(1)} kB`),
                  h("td", {}, new Date(m.modified).toLocaleString()),
                ),
              ),
            ),
          ),
        );
  const insights = modelInsights(models, chosen ? { chosen } : {});
  replace(main, h("h1", { tabindex: "-1" }, "Models"), list, insights.element);
  main.querySelector<HTMLElement>("h1")?.focus();
  return () => insights.close();
}
