"""The pages. Views are thin: they read through the scoped selectors, write through the services,
and answer 404 for anything outside the user's scope."""
