from cam_tracker.cli import main

main()
