import { expect, test } from "vitest";
import { bars, bucketLabel, niceMax, ticks, weekLabel } from "./charts";

test("scales end on 1, 2 or 5 times a power of ten", () => {
  expect([0, 1, 3, 7, 10, 11, 120, 501].map(niceMax)).toEqual([1, 1, 5, 10, 10, 20, 200, 1000]);
});

test("ticks are whole numbers from zero to the top", () => {
  expect(ticks(20)).toEqual([0, 5, 10, 15, 20]);
  expect(ticks(2)).toEqual([0, 1, 2]);
});

test("bars fill their slots from the bottom", () => {
  const b = bars([0, 5, 10], 300, 100, 10, 0);
  expect(b.map((x) => x.height)).toEqual([0, 50, 100]);
  expect(b.map((x) => x.y)).toEqual([100, 50, 0]);
  expect(b[1].x).toBe(100);
  expect(bars([], 10, 10, 1)).toEqual([]);
});

test("labels are French", () => {
  expect(weekLabel("2026-W09")).toBe("S09");
  expect(bucketLabel("0-7")).toBe("0–7 j");
  expect(bucketLabel(">28")).toBe("> 28 j");
});
