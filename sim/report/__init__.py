"""What a run means to people: figures over replications, words, results folders and plots."""
