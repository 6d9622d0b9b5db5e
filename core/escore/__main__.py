from escore_cli import main

main()
