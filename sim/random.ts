// Named random streams derived from the run seed, one per subsystem, so that drawing more numbers in one
// (adding a fault, say) never shifts the numbers another sees (the traffic stays the same).
import seedrandom from 'seedrandom';

export const STREAM_NAMES = ['traffic', 'service', 'loads', 'faults', 'health'] as const;
export type StreamName = (typeof STREAM_NAMES)[number];

/** A uniform [0, 1) generator. Alea: fast, 53-bit, passes BigCrush. */
export type Uniform = () => number;

export type Streams = Readonly<Record<StreamName, Uniform>>;

export function makeStream(seed: number, name: string): Uniform {
  return seedrandom.alea(`rollsim/${seed}/${name}`);
}

export function makeStreams(seed: number): Streams {
  return {
    traffic: makeStream(seed, 'traffic'),
    service: makeStream(seed, 'service'),
    loads: makeStream(seed, 'loads'),
    faults: makeStream(seed, 'faults'),
    health: makeStream(seed, 'health'),
  };
}

/** An exponential draw with the given mean (inverse transform; never 0 to keep logs finite). */
export function exponential(rand: Uniform, mean: number): number {
  return -Math.log(1 - rand()) * mean;
}

/** A standard normal draw (Box–Muller, one value per two uniforms: simple and reproducible). */
export function standardNormal(rand: Uniform): number {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A log-normal multiplier with mean 1 and the given sigma (spread of service and load times). */
export function lognormalFactor(rand: Uniform, sigma: number): number {
  return Math.exp(sigma * standardNormal(rand) - (sigma * sigma) / 2);
}
