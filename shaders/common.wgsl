// Small helpers shared by the kernels (spliced in by src/engines/webgpu/shader-source.ts when a kernel lists it).

// False for NaN and ±Inf (WGSL has no isFinite; the comparisons are false for NaN).
fn is_finite(x: f32) -> bool { return x == x && abs(x) <= 3.4028235e38; }
