// Registers this family's envs on import.
export {};
