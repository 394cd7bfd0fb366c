// Categorical draw by inversion, shared by the chain and several-outputs kernels (spliced in by
// src/engines/webgpu/shader-source.ts when a kernel lists it; D is the kernel's number of inputs).

// The index drawn from weights w[0..D) with sum S and a uniform u: the first i with u * S < sum_{j<=i} w_j, or the
// last i with w_i > 0 when there is none (rounding). Branch-free: the partial sums are non-decreasing, so that first
// i is the number of i with sum_{j<=i} w_j <= u * S.
fn categorical(w: ptr<function, array<f32, D>>, S: f32, u: f32) -> u32 {
  var last_pos = D - 1u;
  for (var i = 0u; i < D; i++) {
    if ((*w)[i] > 0.0) { last_pos = i; }
  }
  let thresh = u * S;
  var cnt = 0u;
  var acc = 0.0;
  for (var i = 0u; i < D; i++) {
    acc += (*w)[i];
    cnt += select(0u, 1u, acc <= thresh);
  }
  return select(cnt, last_pos, cnt == D);
}
