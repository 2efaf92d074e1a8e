/**
 * A view: plain data describing a plot, shown in notebooks through the Jupyter.display convention,
 * or saved as a standalone page.
 */
import { readFileSync } from "node:fs";
import { writeAtomically } from "../fits/write.js";
import { browserAssetPath } from "./assets.js";
import { cubeHtml, elementId, plotlyHtml, standalonePage } from "./browser.js";
import type { CubeViewSpec } from "./cube-view.js";
import type { PlotlyFigure } from "./figures.js";
import { KIND } from "../common/kinds.js";

export type ViewSpec = { kind: "plotly"; figure: PlotlyFigure } | { kind: "cube"; cube: CubeViewSpec } | { kind: "html"; html: string; text: string };

export class View {
  constructor(
    readonly spec: ViewSpec,
    readonly description: string,
  ) {}

  /** The view's HTML fragment: its element and the script that draws it. */
  html(): string {
    const id = elementId();
    switch (this.spec.kind) {
      case "plotly":
        return plotlyHtml(id, this.spec.figure, Number(this.spec.figure.layout.height ?? 450));
      case "cube":
        return cubeHtml(id, this.spec.cube);
      case "html":
        return this.spec.html;
    }
  }

  get [KIND](): "View" {
    return "View";
  }

  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return { "text/plain": this.spec.kind === "html" ? this.spec.text : this.description, "text/html": this.html() };
  }

  /** Writes a page that shows the view on its own, offline (the libraries are inside it). */
  async save(file: string): Promise<void> {
    const page = standalonePage(this.description, this.html(), (as) => readFileSync(browserAssetPath(as), "utf8"));
    await writeAtomically(file, [Buffer.from(page, "utf8")], true);
  }

  toJSON(): ViewSpec | Record<string, unknown> {
    if (this.spec.kind === "cube") {
      const { volume, spectra, ...rest } = this.spec.cube;
      return {
        kind: "cube",
        cube: { ...rest, volume: { ...volume, data: undefined, voxels: volume.data.length }, spectra: { ...spectra, data: undefined, values: spectra.data.length } },
      };
    }
    return this.spec;
  }
}
