import type { Endpoint } from './endpoint';

/**
 * Chooses the endpoint of the next call. Built by the balancer over an immutable endpoint list each time that
 * list or its health changes; `pick()` is synchronous and allocates nothing.
 */
export interface Picker {
  /**
   * The endpoint of the next call.
   * @param avoid an endpoint to skip when another one is available (the one a retry failed on)
   * @returns undefined when the list is empty
   */
  pick(avoid?: Endpoint): Endpoint | undefined;
}

/** Builds a picker over endpoints. */
export type PickerFactory = (endpoints: readonly Endpoint[], random: () => number) => Picker;

/** The picker of an empty list. */
export const EMPTY_PICKER: Picker = Object.freeze({ pick: () => undefined });
