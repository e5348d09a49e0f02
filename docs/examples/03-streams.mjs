// One run, many subscribers: steps flow through an rxjs Observable.
import { make, sharedRollout$, episodes, randomPolicy } from 'pixelgym/envs';
import { filter, map, take } from 'rxjs';

const env = make('CartPole-v1');
const steps$ = sharedRollout$(env, randomPolicy(env.actionSpace, 1), { seed: 1, maxEpisodes: 5 });

steps$.pipe(episodes()).subscribe((ep) => console.log(`episode ${ep.episode}: return ${ep.return}, length ${ep.length}`));
steps$.pipe(filter((s) => s.done), map((s) => s.globalStep), take(5)).subscribe({
  next: (n) => console.log(`  an episode ended at global step ${n}`),
  complete: () => console.log('done'),
});
