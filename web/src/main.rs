fn main() {
    strongroom_web::start();
}
