mod photo;
mod signature;
