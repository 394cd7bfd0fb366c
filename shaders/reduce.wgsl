// Device statistics at a checkpoint, shared by the chain and several-outputs kernels (spliced in by
// src/engines/webgpu/shader-source.ts when a kernel lists it): counters through workgroup atomics, and per-workgroup
// moments by two-pass tree reductions whose (n, mean, M2) triples the host merges in f64 (Chan et al.).
//
// The kernel declares NCNT (counters per checkpoint; the last two are combined by max: order-preserving f32 bits),
// NV (reduced variables), P.n_wg, and the storage buffers `counts` (array<atomic<u32>>, [slot][NCNT]) and
// `partials` (array<f32>, [slot][wg][NV][n, mean, M2]). Every lane of the workgroup calls these functions.

var<workgroup> red: array<vec2<f32>, WG>;  // (value, count) pairs for the tree reductions
var<workgroup> wcnt: array<atomic<u32>, NCNT>;

// Zero the workgroup's counters.
fn counts_begin(lid: u32) {
  for (var c = lid; c < NCNT; c += WG) { atomicStore(&wcnt[c], 0u); }
  workgroupBarrier();
}

// One global atomic per counter of checkpoint `slot`: add, or max for the last two.
fn counts_end(lid: u32, slot: u32) {
  workgroupBarrier();
  for (var c = lid; c < NCNT; c += WG) {
    let v = atomicLoad(&wcnt[c]);
    if (c >= NCNT - 2u) { atomicMax(&counts[slot * NCNT + c], v); }
    else if (v > 0u) { atomicAdd(&counts[slot * NCNT + c], v); }
  }
}

// Tree sum of red[0 .. WG) into red[0].
fn tree_sum(lid: u32) {
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
}

// Moments of variable v over the lanes with `inc` (mean, then the sum of squared deviations from it), written by
// lane 0 to the partials of checkpoint `slot` and workgroup `wg`.
fn reduce_moments(v: u32, val: f32, inc: bool, lid: u32, wg: u32, slot: u32) {
  red[lid] = select(vec2<f32>(0.0, 0.0), vec2<f32>(val, 1.0), inc);
  tree_sum(lid);
  let cnt = red[0].y;
  let mean = select(0.0, red[0].x / cnt, cnt > 0.0);
  workgroupBarrier();
  let dev = val - mean;
  red[lid] = select(vec2<f32>(0.0, 0.0), vec2<f32>(dev * dev, 0.0), inc);
  tree_sum(lid);
  if (lid == 0u) {
    let o = ((slot * P.n_wg + wg) * NV + v) * 3u;
    partials[o] = cnt;
    partials[o + 1u] = mean;
    partials[o + 2u] = red[0].x;
  }
  workgroupBarrier();
}
