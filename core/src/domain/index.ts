// The lowest layer beside errors: types naming the forge's nouns, with no behaviour.
export * from './refs.js';
