"""Azure facts the components rely on, with no resources: built-in roles (:mod:`.roles`), what
Azure accepts as names (:mod:`.names`) and resource ids (:mod:`.resource_ids`)."""
