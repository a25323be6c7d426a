/**
 * The page: picks the model (and its data files), shows its summary, turns the form into the
 * CLI's options, runs jobs in a Web Worker (one per job, so Cancel terminates it) and shows the
 * results with downloads named like the CLI's outputs.
 */
import type { AttemptEvent, ConvertOptions } from '../src/index.js';
import { RUNTIME_NAMES } from '../src/low-level.js';
import { byId, h } from './dom.js';
import { formatBytes } from './format-bytes.js';
import type { AutoDoneMessage, ConvertedMessage, FeedSource, Inspection, Job, ModelFiles, Output, RuntimeChoice, Target, WorkerMessage } from './protocol.js';
import { MemoryMeter } from './memory-meter.js';
import { renderReport, renderSummary } from './report-view.js';

const modelInput = byId<HTMLInputElement>('model-input');
const convertButton = byId<HTMLButtonElement>('convert');
const autoButton = byId<HTMLButtonElement>('auto-start');
const errorLine = byId('error');

let files: ModelFiles | undefined;
let inspection: Inspection | undefined;
let worker: Worker | undefined;
let meterOfJob: MemoryMeter | undefined;
/** The running job's stop flag (set to 1 to ask its worker to stop), where SharedArrayBuffer is available. */
let stopFlag: Int32Array | undefined;
/** Object URLs of the downloads shown, by area, revoked when the area shows new ones. */
const objectUrls = { convert: [] as string[], auto: [] as string[] };

// ---- jobs ----

/** Runs a job in a fresh worker; `onMessage` sees its messages until the job ends. A conversion's memory is sampled while it runs. */
function startJob(job: Job, onMessage: (message: WorkerMessage) => void): void {
  cancelJob();
  const current = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker = current;
  // Where the page is cross-origin isolated, Cancel first asks the worker to stop (see cancelJob).
  if (globalThis.crossOriginIsolated && job.type !== 'inspect') job = { ...job, stop: (stopFlag = new Int32Array(new SharedArrayBuffer(4))) };
  // Started on the worker's first message: a measurement asked for before the worker runs leaves it out.
  let meter: MemoryMeter | undefined;
  const busy = job.type !== 'inspect';
  if (busy) setBusy(true);
  const finish = () => {
    if (worker === current) worker = undefined;
    if (meterOfJob === meter) meterOfJob = undefined;
    if (busy) setBusy(false);
  };
  current.onmessage = (event: MessageEvent<WorkerMessage>) => {
    const message = event.data;
    if (job.type === 'convert' && !meter && worker === current) meter = meterOfJob = new MemoryMeter();
    if (message.type === 'progress') return showProgress(message.phase, message.fraction);
    if (message.type === 'error') {
      finish();
      meter?.abandon();
      terminateWhenSafe(current);
      return showError(message.message);
    }
    onMessage(message);
    if (message.type === 'converted' || message.type === 'auto-done' || message.type === 'inspected') {
      finish();
      if (!meter) return terminateWhenSafe(current);
      // The worker stays until the browser has answered at least once, so the measurement includes it.
      const shown = document.getElementById('peak-memory');
      void meter.stop().then((measured) => {
        terminateWhenSafe(current);
        if (shown) shown.replaceChildren(h('strong', {}, 'Peak memory: '), measured.peak, ' ', h('span', { class: 'muted' }, `(${measured.how})`));
      });
    }
  };
  current.onerror = (event) => {
    finish();
    meter?.abandon();
    terminateWhenSafe(current);
    showError(event.message || 'the worker stopped unexpectedly');
  };
  current.postMessage(job);
}

/**
 * Stops the running job at once: nothing more of it is shown, and its worker is terminated, also in
 * the middle of the library's synchronous conversion. While the browser is measuring memory, the
 * worker is first asked to stop (a shared flag it checks between chunks) and terminated once the
 * measurement is answered: Chromium never answers a measurement, that one or any later, during
 * which a worker was terminated.
 */
function cancelJob(): void {
  meterOfJob?.abandon();
  meterOfJob = undefined;
  if (!worker) return;
  if (stopFlag) Atomics.store(stopFlag, 0, 1);
  worker.onmessage = null;
  worker.onerror = null;
  terminateWhenSafe(worker);
  worker = undefined;
  setBusy(false);
  byId('phase').textContent = 'Cancelled';
}

function terminateWhenSafe(done: Worker): void {
  void MemoryMeter.settled().then(() => done.terminate());
}

function setBusy(busy: boolean): void {
  for (const id of ['cancel', 'auto-cancel']) byId(id).hidden = !busy;
  convertButton.disabled = busy || !files;
  autoButton.disabled = busy || !files;
  byId('activity').hidden = !busy;
  if (busy) byId<HTMLProgressElement>('progress').value = 0;
}

function showProgress(phase: string, fraction: number): void {
  byId('phase').textContent = phase;
  byId<HTMLProgressElement>('progress').value = fraction;
}

function showError(message: string): void {
  errorLine.textContent = message;
  errorLine.hidden = false;
}

function clearError(): void {
  errorLine.hidden = true;
  errorLine.textContent = '';
}

byId('cancel').addEventListener('click', cancelJob);
byId('auto-cancel').addEventListener('click', cancelJob);

// ---- picking the model ----

function pickFiles(list: readonly File[]): void {
  clearError();
  inspection = undefined;
  byId('result').hidden = true;
  byId('inspect').hidden = true;
  const models = list.filter((f) => f.name.toLowerCase().endsWith('.onnx'));
  const model = models.length === 1 ? models[0] : list.length === 1 ? list[0] : undefined;
  if (!model) {
    files = undefined;
    setBusy(false);
    showError(list.length === 0 ? 'no file picked' : `pick one .onnx model (with its data files), got ${list.map((f) => f.name).join(', ')}`);
    return;
  }
  files = { model, dataFiles: list.filter((f) => f !== model) };
  byId('picked').textContent = `${model.name} (${formatBytes(model.size)})` + (files.dataFiles.length ? ` with ${files.dataFiles.map((f) => `${f.name} (${formatBytes(f.size)})`).join(', ')}` : '');
  setBusy(false);
  startJob({ type: 'inspect', files }, (message) => {
    if (message.type === 'inspected') showInspection(message.inspection);
  });
}

modelInput.addEventListener('change', () => pickFiles([...(modelInput.files ?? [])]));

const dropZone = byId('drop-zone');
dropZone.addEventListener('dragover', (event) => {
  event.preventDefault();
  dropZone.classList.add('over');
});
dropZone.addEventListener('dragleave', () => dropZone.classList.remove('over'));
dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  dropZone.classList.remove('over');
  pickFiles([...(event.dataTransfer?.files ?? [])]);
});

function showInspection(found: Inspection): void {
  inspection = found;
  const missing = byId('missing');
  missing.hidden = found.missingDataFiles.length === 0;
  missing.textContent = `Missing external data file${found.missingDataFiles.length > 1 ? 's' : ''}: ${found.missingDataFiles.join(', ')}. Pick ${found.missingDataFiles.length > 1 ? 'them' : 'it'} together with the model.`;
  byId('inspect-body').replaceChildren(renderSummary(found.summary));
  byId('inspect').hidden = false;
  fillChoices(found);
}

/** The option lists offer what the model has: its float I/O, op types and nodes. */
function fillChoices(found: Inspection): void {
  byId('keep-io-list').replaceChildren(...found.floatIo.map((name) => h('label', {}, checkbox('keep-io-name', name, false), name)));
  const ops = [...new Set(found.summary.ops.map((o) => (o.domain ? `${o.domain}::${o.opType}` : o.opType)))].sort();
  byId('op-list').replaceChildren(...ops.map((op) => h('label', {}, checkbox('op', op, found.defaultOpBlockList.includes(op)), op)));
  renderNodeList();
  byId('dims').replaceChildren(
    ...found.symbolicDims.map((name, i) => {
      const input = h('input', { id: `dim-${i}`, type: 'number', min: '1', value: '1', 'data-dim': name });
      return h('span', {}, h('label', { for: `dim-${i}` }, `dimension ${name}`), input);
    }),
  );
}

function checkbox(name: string, value: string, checked: boolean): HTMLInputElement {
  const input = h('input', { type: 'checkbox', name, value });
  input.checked = checked;
  return input;
}

// ---- node block list ----

const chosenNodes = new Set<string>();
const nodeList = byId<HTMLSelectElement>('node-list');
const nodeFilter = byId<HTMLInputElement>('node-filter');

function renderNodeList(): void {
  const filter = nodeFilter.value.trim().toLowerCase();
  const nodes = (inspection?.nodes ?? []).filter((n) => !filter || n.address.toLowerCase().includes(filter) || n.opType.toLowerCase().includes(filter) || chosenNodes.has(n.address));
  nodeList.replaceChildren(
    ...nodes.slice(0, 2000).map((n) => {
      const option = h('option', { value: n.address }, `${n.address} (${n.opType})`);
      option.selected = chosenNodes.has(n.address);
      return option;
    }),
  );
}

nodeFilter.addEventListener('input', renderNodeList);
nodeList.addEventListener('change', () => {
  for (const option of nodeList.options) {
    if (option.selected) chosenNodes.add(option.value);
    else chosenNodes.delete(option.value);
  }
});
byId<HTMLInputElement>('node-list-file').addEventListener('change', async (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (!file) return;
  try {
    useBlockList(parseBlockList(await file.text(), file.name));
  } catch (error) {
    showError((error as Error).message);
  }
});

/** A block list file as `convert --node-block-list @FILE` reads it: a JSON list, { nodeBlockList: [...] }, or one name per line. */
function parseBlockList(text: string, label: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    const parsed = JSON.parse(trimmed) as unknown;
    const names = Array.isArray(parsed) ? parsed : (parsed as { nodeBlockList?: unknown }).nodeBlockList;
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) throw new Error(`${label} holds no list of node names`);
    return names;
  }
  return trimmed.split(/\r?\n/).map((s) => s.trim()).filter((s) => s && !s.startsWith('#'));
}

function useBlockList(names: readonly string[]): void {
  chosenNodes.clear();
  for (const name of names) chosenNodes.add(name);
  renderNodeList();
}

// ---- options, as the CLI's flags ----

function radio(name: string): string {
  return document.querySelector<HTMLInputElement>(`input[name="${name}"]:checked`)?.value ?? '';
}

function checked(id: string): boolean {
  return byId<HTMLInputElement>(id).checked;
}

function numberField(id: string, label: string): number | undefined {
  const text = byId<HTMLInputElement>(id).value.trim();
  if (text === '') return undefined;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`${label} must be a number, got "${text}"`);
  return value;
}

function targetType(): Target {
  return radio('target') === 'bfloat16' ? 'bfloat16' : 'float16';
}

// ---- runtime ----

const RUNTIME_CHOICES: readonly RuntimeChoice[] = [...RUNTIME_NAMES, 'none'];
/** The page targets WebGPU (the library's default, ort-cpu, suits Node). */
const PAGE_RUNTIME: RuntimeChoice = 'ort-webgpu';
const runtimeSelect = byId<HTMLSelectElement>('runtime');
runtimeSelect.replaceChildren(...RUNTIME_CHOICES.map((name) => h('option', { value: name }, name)));
runtimeSelect.value = PAGE_RUNTIME;
let runtimePicked = false;
runtimeSelect.addEventListener('change', () => (runtimePicked = true));
// Until the user picks one, the runtime follows the target as the library's defaults do: none for bfloat16.
for (const input of document.querySelectorAll<HTMLInputElement>('input[name="target"]')) {
  input.addEventListener('change', () => {
    if (!runtimePicked) runtimeSelect.value = targetType() === 'bfloat16' ? 'none' : PAGE_RUNTIME;
  });
}

function runtimeChoice(): RuntimeChoice {
  return RUNTIME_CHOICES.find((name) => name === runtimeSelect.value) ?? PAGE_RUNTIME;
}

/** The form as ConvertOptions; untouched fields are left out, so the library's (the CLI's) defaults apply. */
function convertOptions(): ConvertOptions {
  const options: ConvertOptions = {};
  const keep = radio('keep-io');
  if (keep === 'all') options.keepIoTypes = true;
  if (keep === 'some') options.keepIoTypes = [...document.querySelectorAll<HTMLInputElement>('input[name="keep-io-name"]:checked')].map((i) => i.value);
  const opBoxes = [...document.querySelectorAll<HTMLInputElement>('input[name="op"]')];
  const defaults = inspection?.defaultOpBlockList ?? [];
  if (opBoxes.some((box) => box.checked !== defaults.includes(box.value))) {
    // Ops the model lacks change nothing, so the default list minus unticked plus ticked is what the user means.
    const unticked = new Set(opBoxes.filter((b) => !b.checked).map((b) => b.value));
    options.opBlockList = [...new Set([...defaults.filter((op) => !unticked.has(op)), ...opBoxes.filter((b) => b.checked).map((b) => b.value)])];
  }
  if (chosenNodes.size > 0) options.nodeBlockList = [...chosenNodes];
  const min = numberField('min-positive', 'The smallest magnitude');
  const max = numberField('max-finite', 'The largest magnitude');
  if (min !== undefined) options.minPositiveVal = min;
  if (max !== undefined) options.maxFiniteVal = max;
  if (!checked('block-out-of-range')) options.blockOutOfRangeConstants = false;
  if (!checked('check-ready')) options.checkFp16Ready = false;
  if (checked('disable-shape-infer')) options.disableShapeInfer = true;
  if (checked('force-initializers')) options.forceFp16Initializers = true;
  return options;
}

/** The CLI's default output name: NAME_fp16.onnx, NAME_bf16.onnx, NAME_mixed.onnx. */
function outputName(model: File, suffix: string): string {
  const dot = model.name.lastIndexOf('.');
  const stem = dot > 0 ? model.name.slice(0, dot) : model.name;
  const extension = dot > 0 ? model.name.slice(dot) : '.onnx';
  return `${stem}_${suffix}${extension}`;
}

// ---- convert ----

const streamOption = 'showSaveFilePicker' in window;
byId('stream-option').hidden = !streamOption;

convertButton.addEventListener('click', async () => {
  if (!files) return;
  clearError();
  let options: ConvertOptions;
  try {
    options = convertOptions();
  } catch (error) {
    return showError((error as Error).message);
  }
  const target = targetType();
  const name = outputName(files.model, target === 'bfloat16' ? 'bf16' : 'fp16');
  let saveTo: FileSystemFileHandle | undefined;
  if (streamOption && checked('stream-to-file')) {
    try {
      const picker = (window as unknown as { showSaveFilePicker(options: object): Promise<FileSystemFileHandle> }).showSaveFilePicker;
      saveTo = await picker({ suggestedName: name, types: [{ description: 'ONNX model', accept: { 'application/octet-stream': ['.onnx'] } }] });
    } catch {
      return; // the user closed the picker
    }
  }
  byId('result').hidden = true;
  startJob({ type: 'convert', files, target, options, runtime: runtimeChoice(), externalData: checked('external-data') ? 'always' : 'auto', outputName: name, ...(saveTo ? { saveTo } : {}) }, (message) => {
    if (message.type === 'converted') showConverted(message);
  });
});

function downloadLink(blob: Blob, name: string, testId: string, label: string, area: keyof typeof objectUrls): HTMLAnchorElement {
  const url = URL.createObjectURL(blob);
  objectUrls[area].push(url);
  return h('a', { href: url, download: name, 'data-testid': testId, class: 'button' }, `${label} ${name} (${formatBytes(blob.size)})`);
}

/** Links to the written model (test ids `${testId}` and `${testId}-data`), or where it was saved. */
function outputLinks(output: Output, testId: string, area: keyof typeof objectUrls): HTMLElement[] {
  if (output.savedToFile) return [h('p', {}, `Saved to ${output.modelName} (${formatBytes(output.model.size)}).`)];
  const links = [downloadLink(output.model, output.modelName, testId, 'Download', area)];
  if (output.data) links.push(downloadLink(output.data.blob, output.data.name, `${testId}-data`, 'Download', area));
  return links;
}

function showConverted(message: ConvertedMessage): void {
  for (const url of objectUrls.convert.splice(0)) URL.revokeObjectURL(url);
  byId('downloads').replaceChildren(...outputLinks(message.output, 'download', 'convert'));
  byId('report').replaceChildren(renderReport(message));
  byId('result').hidden = false;
  byId('phase').textContent = 'Done';
  byId('result-heading').focus({ preventScroll: true });
}

// ---- auto mixed precision ----

autoButton.addEventListener('click', () => {
  if (!files) return;
  clearError();
  let rtol: number | undefined;
  let atol: number | undefined;
  try {
    rtol = numberField('rtol', 'rtol');
    atol = numberField('atol', 'atol');
    if (rtol === undefined && atol === undefined) throw new Error('give rtol and/or atol');
  } catch (error) {
    return showError((error as Error).message);
  }
  let feeds: FeedSource;
  if (radio('feeds') === 'files') {
    const feedFiles = [...(byId<HTMLInputElement>('feed-files').files ?? [])];
    if (feedFiles.length === 0) return showError('pick the feed files (.npy, .npz or .pb), or choose random inputs');
    feeds = { kind: 'files', files: feedFiles };
  } else {
    const dims: Record<string, number> = {};
    for (const input of document.querySelectorAll<HTMLInputElement>('input[data-dim]')) dims[input.dataset['dim']!] = Math.max(1, Number(input.value) || 1);
    feeds = { kind: 'random', dims, seed: Number(byId<HTMLInputElement>('seed').value) || 1 };
  }
  byId('attempts').replaceChildren();
  byId('auto-result').hidden = true;
  byId('auto-runtime').textContent = '';
  byId('segments').hidden = true;
  startJob(
    { type: 'auto', files, target: targetType(), feeds, runtime: runtimeChoice(), ...(rtol !== undefined ? { rtol } : {}), ...(atol !== undefined ? { atol } : {}), keepIoTypes: radio('keep-io') === 'all', strategy: byId<HTMLSelectElement>('strategy').value === 'bisect' ? 'bisect' : 'guided', outputName: outputName(files.model, 'mixed') },
    (message) => {
      if (message.type === 'runtime') byId('auto-runtime').textContent = `Running on ${message.description}.`;
      if (message.type === 'attempt') showAttempt(message.event);
      if (message.type === 'auto-done') showAutoResult(message);
    },
  );
});

function showAttempt(event: AttemptEvent): void {
  const line = `Attempt ${event.attempt} (${event.phase}): ${event.blocked} of ${event.candidates} nodes float32 → ${event.passed ? 'pass' : 'fail'}${event.error ? ` (${event.error})` : ''}`;
  byId('attempts').append(h('li', { class: event.passed ? 'pass' : 'fail' }, line));
  byId('phase').textContent = line;
  if (event.segments) showSegments(event.segments);
}

/** The cluster view: nodes in converted, kept and undecided segments. */
function showSegments({ converted, kept, pending }: { converted: number; kept: number; pending: number }): void {
  const total = Math.max(converted + kept + pending, 1);
  const bar = byId('segments');
  bar.hidden = false;
  const [c, k, p] = [...bar.querySelectorAll<HTMLElement>('.segment-bar span')];
  c!.style.width = `${(100 * converted) / total}%`;
  k!.style.width = `${(100 * kept) / total}%`;
  p!.style.width = `${(100 * pending) / total}%`;
  const text = `Segments: ${converted} nodes converted, ${kept} kept float32, ${pending} pending`;
  byId('segment-text').textContent = text;
  bar.querySelector('.segment-bar')!.setAttribute('aria-label', text);
}

function showAutoResult(message: AutoDoneMessage): void {
  const { result } = message;
  for (const url of objectUrls.auto.splice(0)) URL.revokeObjectURL(url);
  if (!byId('segments').hidden) showSegments({ converted: result.candidates - result.nodeBlockList.length, kept: result.nodeBlockList.length, pending: 0 });
  const json = `${JSON.stringify({ nodeBlockList: result.nodeBlockList }, null, 2)}\n`;
  const stem = message.output.modelName.replace(/_mixed(\.[^.]*)?$/, '');
  const useButton = h('button', { type: 'button' }, 'Use this block list for Convert');
  useButton.addEventListener('click', () => {
    useBlockList(result.nodeBlockList);
    byId('options-heading').scrollIntoView();
  });
  byId('auto-result').replaceChildren(
    h('p', {}, `${result.runs} model runs, ${result.attempts} attempts (${result.strategy}) on ${message.runtime}, ${(result.elapsedMs / 1000).toFixed(2)} s: ${result.nodeBlockList.length} of ${result.candidates} candidate nodes blocked, ${message.keptNodes} nodes kept float32 in all.`),
    h('p', {}, 'Node block list: ', h('code', { 'data-testid': 'block-list' }, result.nodeBlockList.join(', ') || '(empty)')),
    h('div', { class: 'downloads' }, downloadLink(new Blob([json], { type: 'application/json' }), `${stem}_block_list.json`, 'download-block-list', 'Download', 'auto'), ...outputLinks(message.output, 'download-mixed', 'auto'), useButton),
    h('ul', {}, ...result.finalErrors.map((e) => h('li', {}, `${e.output}: max abs error ${e.maxAbsError.toPrecision(3)}, max rel error ${e.maxRelError.toPrecision(3)}`))),
  );
  byId('auto-result').hidden = false;
}
