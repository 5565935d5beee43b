from tests.calibration import main

main()
