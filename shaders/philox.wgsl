// Philox4x32-10 (Salmon et al., SC 2011), bit-identical to src/rng/philox.ts.
// WGSL has no 64-bit integers: the high word of a 32x32 product is built from 16-bit halves (Hacker's Delight).

fn mulhi32(a: u32, b: u32) -> u32 {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let t = a1 * b0 + ((a0 * b0) >> 16u);
  let w1 = (t & 0xffffu) + a0 * b1;
  return a1 * b1 + (t >> 16u) + (w1 >> 16u);
}

fn philox4x32_10(ctr: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = ctr;
  var k = key;
  for (var r = 0u; r < 10u; r = r + 1u) {
    if (r > 0u) {
      k = k + vec2<u32>(0x9e3779b9u, 0xbb67ae85u);
    }
    let hi0 = mulhi32(0xd2511f53u, c.x);
    let lo0 = 0xd2511f53u * c.x;
    let hi1 = mulhi32(0xcd9e8d57u, c.z);
    let lo1 = 0xcd9e8d57u * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
  }
  return c;
}

// u32 -> (0,1) with 24-bit resolution: max(x >> 8, 1) * 2^-24, exact in f32 (see u32ToUniform in philox.ts).
fn u32_to_uniform(x: u32) -> f32 {
  return f32(max(x >> 8u, 1u)) * 5.9604644775390625e-8;
}
