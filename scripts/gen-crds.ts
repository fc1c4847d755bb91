// Placeholder until the operator API lands: generates nothing and checks nothing.
// (Replaced by the generator that writes crds/ from operator/api's zod schema.)
console.log('gen-crds: no operator API yet');
