from sim.cli.app import app

app(prog_name="natsim")
