"""Check stage: lint (closed world), SPARQL check files, SHACL shapes and OWL consistency."""
