package main

// notes is the analysis written under the tables: causes of missed goals and what was
// changed. It is text, kept by hand; the figures above it come from the run.
const notes = `#### Notes

- (analysis pending)
`
