// Option identity: every option has a colour AND a shape AND a letter, so no
// one has to tell colours apart. The same position gets the same look on the
// projector and on every phone (the server sends options in the same order).

import { svg } from "./dom.js";
import { t } from "./i18n.js";

export const OPTION_LOOKS = [
  { letter: "A", shape: "triangle", colour: "red" },
  { letter: "B", shape: "diamond", colour: "blue" },
  { letter: "C", shape: "circle", colour: "yellow" },
  { letter: "D", shape: "square", colour: "green" },
  { letter: "E", shape: "star", colour: "purple" },
  { letter: "F", shape: "hexagon", colour: "teal" },
];

function star(cx, cy, outer, inner) {
  const points = [];
  for (let i = 0; i < 10; i += 1) {
    const r = i % 2 === 0 ? outer : inner;
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    points.push(`${(cx + r * Math.cos(a)).toFixed(1)},${(cy + r * Math.sin(a)).toFixed(1)}`);
  }
  return points.join(" ");
}

const SHAPES = {
  triangle: () => svg("polygon", { points: "50,8 94,88 6,88" }),
  diamond: () => svg("polygon", { points: "50,4 96,50 50,96 4,50" }),
  circle: () => svg("circle", { cx: 50, cy: 50, r: 44 }),
  square: () => svg("rect", { x: 9, y: 9, width: 82, height: 82, rx: 6 }),
  star: () => svg("polygon", { points: star(50, 53, 48, 20) }),
  hexagon: () => svg("polygon", { points: "27,8 73,8 96,50 73,92 27,92 4,50" }),
};

export function optionLook(position) {
  return OPTION_LOOKS[position % OPTION_LOOKS.length];
}

/** The shape as a decorative SVG (the letter and text carry the meaning). */
export function shapeIcon(position, extraClass = "") {
  const look = optionLook(position);
  return svg("svg", {
    class: ["shape", `shape-${look.shape}`, extraClass].filter(Boolean).join(" "),
    viewBox: "0 0 100 100",
    "aria-hidden": "true",
    focusable: "false",
  }, SHAPES[look.shape]());
}

/**
 * "A, triangle" — for aria-labels. The letters stay Latin in every language:
 * the projector and phones in other languages show the same letter for a tile.
 */
export function optionName(position) {
  const look = optionLook(position);
  return t("common.option.name", { letter: look.letter, shape: t(`common.shape.${look.shape}`) });
}

/** The class names that colour an element as option `position`. */
export function optionClass(position) {
  return `opt opt-${optionLook(position).colour}`;
}
