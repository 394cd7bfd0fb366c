/**
 * The markup of the chain's form (form.ts), injected by the page into its scenario form: every field of a chain
 * experiment file, each with its error line (err-<field>) under it. The ids are the page's test hooks: keep them.
 */
export const FORM_HTML = `
      <div id="chain-fields">
      <div class="field"><label for="f-name">Name</label><input id="f-name" type="text" aria-describedby="err-name"><p class="error" id="err-name" hidden></p></div>
      <div class="row">
        <div class="field small"><label for="f-d" title="number of inputs">d</label><input id="f-d" type="number" min="2" max="64" step="1" aria-describedby="err-d"><p class="error" id="err-d" hidden></p></div>
        <div class="field grow"><label for="f-rates">Rates λ₁…λ_d</label><input id="f-rates" type="text" inputmode="decimal" aria-describedby="err-rates" placeholder="10, 7.5, 5"><p class="error" id="err-rates" hidden></p></div>
      </div>
      <div class="field"><label for="f-initialWeights">Initial weights w(0) <span class="hint">(empty: all 1)</span></label><input id="f-initialWeights" type="text" inputmode="decimal" aria-describedby="err-initialWeights"><p class="error" id="err-initialWeights" hidden></p></div>
      <div class="row">
        <div class="field"><label for="f-alpha">Learning rate α</label><input id="f-alpha" type="number" step="any" min="0" aria-describedby="err-alpha"><p class="error" id="err-alpha" hidden></p></div>
        <div class="field"><label for="f-steps">Steps K</label><input id="f-steps" type="number" step="1" min="1" aria-describedby="err-steps"><p class="error" id="err-steps" hidden></p></div>
      </div>
      <div class="row">
        <div class="field"><label for="f-law">Noise law</label><select id="f-law" aria-describedby="err-law"></select><p class="error" id="err-law" hidden></p></div>
        <div class="field small"><label for="f-halfWidth" title="h = Q − 1: Z is supported on [−h, h]">h</label><input id="f-halfWidth" type="number" step="any" min="0" aria-describedby="err-halfWidth"><p class="error" id="err-halfWidth" hidden></p></div>
        <div class="field small"><label for="f-sd" title="truncated normal: sd before truncation (default h/2)">sd</label><input id="f-sd" type="number" step="any" min="0" aria-describedby="err-sd"><p class="error" id="err-sd" hidden></p></div>
      </div>
      <div class="row">
        <div class="field"><label for="f-trajectories">Trajectories N</label><input id="f-trajectories" type="number" step="1" min="1" aria-describedby="err-trajectories"><p class="error" id="err-trajectories" hidden></p></div>
        <div class="field"><label for="f-seed">Seed</label><input id="f-seed" type="text" aria-describedby="err-seed"><p class="error" id="err-seed" hidden></p></div>
      </div>
      <div class="row">
        <div class="field"><label for="f-cpMode">Checkpoints</label><select id="f-cpMode"><option value="every">every n steps</option><option value="log">n log-spaced</option><option value="list">list of steps</option><option value="default">default (30 log-spaced)</option></select></div>
        <div class="field"><label for="f-checkpoints">n or steps</label><input id="f-checkpoints" type="text" aria-describedby="err-checkpoints"><p class="error" id="err-checkpoints" hidden></p></div>
      </div>
      <div class="row">
        <div class="field"><label for="f-keepPaths" title="keep p at every checkpoint for the first M trajectories">Sample paths kept</label><input id="f-keepPaths" type="number" step="1" min="0" max="4096" aria-describedby="err-keepPaths"><p class="error" id="err-keepPaths" hidden></p></div>
        <div class="field"><label for="f-batches">Batches <span class="hint">(default 10)</span></label><input id="f-batches" type="number" step="1" min="2" aria-describedby="err-batches"><p class="error" id="err-batches" hidden></p></div>
      </div>
      <div class="field check"><input id="f-allowTies" type="checkbox" aria-describedby="err-allowTies"><label for="f-allowTies">Allow a tie for the largest p_i(0)</label><p class="error" id="err-allowTies" hidden></p></div>
      <details id="extensions">
        <summary>Correlated inputs and rate schedule (Section 5)</summary>
        <div class="field"><label for="f-gamma">Γ <span class="hint">symmetric d×d, unit diagonal, e.g. [[1,0.1,0.1],[0.1,1,0.6],[0.1,0.6,1]]</span></label><textarea id="f-gamma" rows="2" spellcheck="false" aria-describedby="err-gamma"></textarea><p class="error" id="err-gamma" hidden></p></div>
        <div class="field"><label for="f-correlation">Correlated spikes</label><select id="f-correlation" aria-describedby="err-correlation"><option value="">paper: S = C·B (default with Γ)</option><option value="paper">paper</option><option value="figure-code">figure code: independent Bernoulli</option></select><p class="error" id="err-correlation" hidden></p></div>
        <div class="field"><label for="f-schedule">Rate schedule <span class="hint">e.g. [{"fromStep": 300, "rates": [5, 7.5, 10]}]</span></label><textarea id="f-schedule" rows="2" spellcheck="false" aria-describedby="err-schedule"></textarea><p class="error" id="err-schedule" hidden></p></div>
      </details>
      <details id="advanced">
        <summary>Sweep and precision target (JSON)</summary>
        <div class="field"><label for="f-sweep">sweep <span class="hint">e.g. {"alpha": [0.05, 0.02], "time": 30}</span></label><textarea id="f-sweep" rows="4" spellcheck="false" aria-describedby="err-sweep"></textarea><p class="error" id="err-sweep" hidden></p></div>
        <div class="field"><label for="f-target">target <span class="hint">{"successCIWidth", "maxTrajectories", "batchSize"}</span></label><textarea id="f-target" rows="2" spellcheck="false" aria-describedby="err-target"></textarea><p class="error" id="err-target" hidden></p></div>
      </details>
      </div>
`;
