/**
 * `Math.round(x)`, every bit of it (halves up, the sign of a zero kept), at a fraction of its cost in V8: there it
 * was three quarters of quantizing 10⁶ × 128 floats into int8. `floor(x + ½)` is exact except where `x + ½`
 * itself rounds upward (the double just below ½, odd integers past 2⁵²); the floor is then one too many, which
 * `y − ½ > x` tells (that `y − ½` rounds only where it cannot change the comparison).
 */
export function roundHalfUp(x: number): number {
  const y = Math.floor(x + 0.5);
  return y - 0.5 > x ? y - 1 : y === 0 ? x * 0 : y;
}
