/** A view: plain data describing a plot, shown in notebooks through the Jupyter.display convention. */
import type { PlotlyFigure } from "./figures.js";
import { elementId, plotlyHtml, volumeHtml } from "./browser.js";
import type { VolumeSpec } from "./volume.js";

export type ViewSpec = { kind: "plotly"; figure: PlotlyFigure } | { kind: "volume"; volume: VolumeSpec } | { kind: "html"; html: string; text: string };

export class View {
  constructor(readonly spec: ViewSpec, readonly description: string) {}

  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    const id = elementId();
    switch (this.spec.kind) {
      case "plotly":
        return {
          "text/plain": this.description,
          "text/html": plotlyHtml(id, this.spec.figure, Number(this.spec.figure.layout.height ?? 450)),
          // JupyterLab with a plotly renderer draws this itself.
          "application/vnd.plotly.v1+json": this.spec.figure,
        };
      case "volume":
        return { "text/plain": this.description, "text/html": volumeHtml(id, this.spec.volume) };
      case "html":
        return { "text/plain": this.spec.text, "text/html": this.spec.html };
    }
  }

  toJSON(): ViewSpec | Record<string, unknown> {
    if (this.spec.kind === "volume") {
      const { data, ...rest } = this.spec.volume;
      return { kind: "volume", volume: { ...rest, voxels: data.length } };
    }
    return this.spec;
  }
}
