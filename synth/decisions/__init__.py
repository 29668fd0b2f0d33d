"""What the room decides, over the store: review of the candidates and of who spoke, the dot
vote and its codes, and a participant's right to take their words back."""
