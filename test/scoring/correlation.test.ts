/** Pearson's r on lists whose answers are worked out by hand. */
import { describe, expect, it } from "vitest";
import { pearson } from "../../src/scoring/correlation.js";

describe("pearson", () => {
  it("is 1 for a positive linear relation and -1 for a negative one, whatever the offset and scale", () => {
    expect(pearson([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3, 4], [-3, -5, -7, -9])).toBeCloseTo(-1, 12);
    expect(pearson([-2, 0.5, 7], [-2, 0.5, 7])).toBeCloseTo(1, 12);
  });

  it("one swap among four: deviations -1.5, -0.5, 0.5, 1.5 against -1.5, 0.5, -0.5, 1.5 give 4 / 5", () => {
    expect(pearson([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 12);
    // Symmetric in its arguments.
    expect(pearson([1, 3, 2, 4], [1, 2, 3, 4])).toBeCloseTo(0.8, 12);
  });

  it("uncorrelated: [1, 2, 3] against [1, 0, 1] has no linear relation", () => {
    // Deviations -1, 0, 1 against 1/3, -2/3, 1/3: the cross sum is -1/3 + 0 + 1/3 = 0.
    expect(pearson([1, 2, 3], [1, 0, 1])).toBeCloseTo(0, 12);
  });

  it("is NaN where it is undefined: no spread on either side, or fewer than two values", () => {
    expect(pearson([2, 2, 2], [1, 2, 3])).toBeNaN();
    expect(pearson([1, 2, 3], [5, 5, 5])).toBeNaN();
    // A constant whose mean is inexact in floating point ([0.1, 0.1, 0.1] sums to 0.30000000000000004).
    expect(pearson([0.1, 0.1, 0.1], [0.1, 0.1, 0.1])).toBeNaN();
    expect(pearson([0.1, 0.1, 0.1], [1, 2, 4])).toBeNaN();
    expect(pearson([4], [4])).toBeNaN();
    expect(pearson([], [])).toBeNaN();
  });

  it("refuses lists of different lengths, naming both", () => {
    expect(() => pearson([1, 2, 3], [1, 2])).toThrow(new RangeError("pearson: 3 values against 2"));
  });
});
