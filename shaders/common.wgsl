// Small helpers shared by the kernels (spliced in by src/engines/webgpu/shader-source.ts when a kernel lists it).

// False for NaN and ±Inf (WGSL has no isFinite): the exponent bits all ones. Read from the bits, since a compiler may
// assume no NaN (folding x == x to true), and Dawn's compiler refuses the literal 3.4028235e38 as not an f32.
fn is_finite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u; }
