"""novalite: Nova's create-server path, small and readable."""
