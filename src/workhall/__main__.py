from workhall.cli import main

main()
