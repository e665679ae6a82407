"""The model's state: the population's arrays, prison places, the world, the OCG registry."""
