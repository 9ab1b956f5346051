// "Did you mean" suggestions for misspelt keys and names: the core's one implementation, also behind
// every factory's unknown-option errors (issue 18.2).
export { suggestKey as suggest } from '@breakwater/core/internal';
