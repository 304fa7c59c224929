"""Scenarios: the one schema of options (:mod:`.options`), scenarios as validated YAML (:mod:`.spec`;
the shipped ``*.yaml`` files sit next to it) and the EU CBAM rules (:mod:`.cbam`)."""
