"""Provider confirmation of attendance: the learner's requests and the provider's answers."""
