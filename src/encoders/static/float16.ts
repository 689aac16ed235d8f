/** IEEE 754 half precision and bfloat16 conversions, bit-exact (the safetensors reader and writer, the ONNX export). */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 half precision, including subnormals, infinities and NaN. */
export function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

let float16Lookup: Float32Array | undefined;

/**
 * The float32 value of every half-precision bit pattern, built once: what `float16ToNumber` gives
 * (every half is exact in float32), set as float32 bits, which costs ~1 ms where 65,536 calls cost ~7.
 */
export function float16Values(): Float32Array {
  if (!float16Lookup) {
    float16Lookup = new Float32Array(65_536);
    const bits32 = new Uint32Array(float16Lookup.buffer);
    for (let bits = 0; bits < 65_536; bits++) {
      const sign = (bits & 0x8000) << 16;
      const exponent = (bits >> 10) & 0x1f;
      const fraction = bits & 0x3ff;
      // Subnormals, infinities and NaN (stored as the number, as tensorToFloat32 stored it) take the slow path.
      if (exponent === 0 || exponent === 0x1f) float16Lookup[bits] = float16ToNumber(bits);
      else bits32[bits] = (sign | ((exponent + 112) << 23) | (fraction << 13)) >>> 0;
    }
  }
  return float16Lookup;
}

const bf16Bits = new Uint32Array(1);
const bf16Float = new Float32Array(bf16Bits.buffer);

export function bfloat16ToNumber(bits: number): number {
  bf16Bits[0] = bits << 16;
  return bf16Float[0]!;
}

/** IEEE 754 half precision bits of `value`, rounded to nearest even (overflow to infinity). */
export function numberToFloat16(value: number): number {
  f32[0] = value;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    // Subnormal: shift the mantissa (with its implicit 1) into place, rounding to nearest even.
    const full = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    const half = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    return sign | (half + (rest > midpoint || (rest === midpoint && half & 1) ? 1 : 0));
  }
  const half = (halfExponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

/** `values` rounded to the nearest float16, as a new float32 array. */
export function roundToFloat16(values: Float32Array): Float32Array {
  return values.map((v) => float16ToNumber(numberToFloat16(v)));
}
