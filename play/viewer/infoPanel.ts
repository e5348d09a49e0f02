// The step's numbers and the agent's view of the state shown: Q-values or action probabilities as bars.
import type { StepMessage } from '../server/protocol.js';

function byId(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`viewer: the page has no #${id}`);
  return el;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(2) : String(Math.round(v * 1000) / 1000);
}

function actionText(a: number | number[] | null, name: string | null): string {
  if (a === null) return '–';
  const s = Array.isArray(a) ? `[${a.map(fmt).join(', ')}]` : String(a);
  return name ? `${s} (${name})` : s;
}

export class InfoPanel {
  private readonly fields = {
    episode: byId('episode'),
    t: byId('t'),
    globalStep: byId('global-step'),
    action: byId('action'),
    reward: byId('reward'),
    ret: byId('return'),
    value: byId('value'),
  };
  private readonly bars = byId('bars');
  private readonly barsTitle = byId('bars-title');
  private readonly error = byId('error');
  private barRows: { root: HTMLElement; fill: HTMLElement; num: HTMLElement; name: HTMLElement }[] = [];
  private actionNames: string[] | null = null;

  setActionNames(names: string[] | null): void {
    this.actionNames = names;
    this.barRows = [];
    this.bars.replaceChildren();
  }

  show(step: StepMessage): void {
    const f = this.fields;
    f.episode.textContent = String(step.episode);
    f.t.textContent = String(step.t);
    f.globalStep.textContent = String(step.globalStep);
    f.action.textContent = actionText(step.action, step.actionName);
    f.reward.textContent = fmt(step.reward);
    f.ret.textContent = fmt(step.episodeReturn);
    f.value.textContent = step.value === undefined ? '–' : fmt(step.value);
    if (step.qValues) this.showBars('Q-values', step.qValues, step, false);
    else if (step.probs) this.showBars('policy', step.probs, step, true);
    else {
      this.bars.dataset.kind = 'none';
      this.barsTitle.textContent = 'agent';
    }
  }

  showError(message: string): void {
    this.error.hidden = false;
    this.error.textContent = message;
  }

  private rows(n: number): typeof this.barRows {
    while (this.barRows.length < n) {
      const i = this.barRows.length;
      const root = document.createElement('div');
      root.className = 'bar';
      root.dataset.action = String(i);
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = this.actionNames?.[i] ?? String(i);
      const track = document.createElement('span');
      const fill = document.createElement('div');
      fill.className = 'fill';
      track.append(fill);
      const num = document.createElement('span');
      num.className = 'num';
      root.append(name, track, num);
      this.bars.append(root);
      this.barRows.push({ root, fill, num, name });
    }
    for (let i = 0; i < this.barRows.length; i++) this.barRows[i]!.root.hidden = i >= n;
    return this.barRows;
  }

  /** Probabilities fill in proportion; Q-values fill from the smallest (empty) to the largest (full). */
  private showBars(title: string, values: number[], step: StepMessage, probabilities: boolean): void {
    this.barsTitle.textContent = title;
    this.bars.dataset.kind = probabilities ? 'probs' : 'q';
    const lo = probabilities ? 0 : Math.min(...values);
    const hi = probabilities ? 1 : Math.max(...values);
    const span = hi > lo ? hi - lo : 1;
    const rows = this.rows(values.length);
    values.forEach((v, i) => {
      const row = rows[i]!;
      const frac = probabilities ? v : hi > lo ? (v - lo) / span : 1;
      row.fill.style.width = `${Math.max(0, Math.min(1, frac)) * 100}%`;
      row.num.textContent = fmt(v);
      row.root.dataset.value = String(v);
      row.root.dataset.greedy = String(step.greedyAction === i);
      row.root.dataset.taken = String(step.action === i);
    });
  }
}
